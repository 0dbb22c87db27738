"""The editor's desk: a Chinese page served by `guanxin-site serve` for the week's work in the browser.

收件 (import received files), 校对 (the original's pages beside the issue as a form), 全部期 (every
issue with its state), 预览 and 发布. The Markdown issue file stays the truth: model.py turns it into
the form and the form back into the file, touching only what changed; store.py reads and writes
issue files (atomic, with a backup, never over a file changed since the page loaded it); server.py
answers the page's requests (127.0.0.1 only, Host and Origin checked, a secret for every write).
"""
