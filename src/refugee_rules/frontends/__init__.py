"""The ways in: the command line, the HTTP service and the terminal interview; each builds one Options value."""
