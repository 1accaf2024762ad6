"""The command line's helpers: Norwegian words for argparse (`text`) and the saved scenarios'
commands (`saved`). `allocator/__main__.py` parses the arguments and calls the library."""
