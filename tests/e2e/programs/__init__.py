"""Small programs the end-to-end tests run as real subprocesses, and the database helpers they share."""
