# snapshot/ build rules
