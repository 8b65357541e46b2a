"""The command line: parse, call core, render, exit."""
