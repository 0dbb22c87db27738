"""Editions: an issue published somewhere other than its web page, made from the same Report.html.

The web page itself is the templates (issue.html). Each edition here takes an Issue and the
report HTML every edition shares, and shapes it for one place the bulletin is read:
wechat.py for the 微信公众号 article editor.
"""
