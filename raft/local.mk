# raft/ build rules
