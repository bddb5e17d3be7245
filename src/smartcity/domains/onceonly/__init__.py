"""Once-only service (Art. 28, 一次采集、共享使用): the registry of government service
forms (事项) with each field mapped to a catalog information item, the checker that
finds fields a citizen is asked to type although the platform can supply them, and
the citizens' "asked again" cases (我被重复索要材料)."""
