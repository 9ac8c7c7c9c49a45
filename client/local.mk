# client/ build rules
