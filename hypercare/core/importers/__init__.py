"""One module per import source; each turns rows of a file into issue histories."""
