from guanxin_site.cli import entry

entry()
