# fuzz/ build rules
