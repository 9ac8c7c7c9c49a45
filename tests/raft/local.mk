# tests/raft rules
