from guanxin_site.cli import main

main()
