"""The demo organisation's year, seeded through the services' public APIs on a movable clock.

`story` writes the year (pure, seeded random); `change_story` its planned changes and the harm
that follows them; `calls` speaks to the four services; `walks` turns a repair's plan into
agreements calls, `change_walks` a change's into intake and agreements calls; `mail` reads
check-in links from the local mail sink; `seeding` moves every clock forward a step at a time
and plays the year out. `seed_demo.py` (one level up) is the command `make run` runs.
"""
