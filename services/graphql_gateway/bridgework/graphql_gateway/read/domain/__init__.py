"""The read side's pure rules: who may see what, periods, pagination, dashboard figures."""
