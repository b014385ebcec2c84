from mcpdeck.program import entry

entry()
