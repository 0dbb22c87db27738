from guanxin_site.cli import entry

if __name__ == "__main__":  # a spawned worker process imports the main module again: it must not run the CLI
    entry()
