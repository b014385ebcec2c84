from mcpdeck.cli import entry

entry()
