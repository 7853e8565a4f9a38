//! Unit tests of the import on resources built in memory.
