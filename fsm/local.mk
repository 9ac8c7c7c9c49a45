# fsm/ build rules
