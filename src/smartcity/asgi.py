"""ASGI entry point for servers: ``uvicorn smartcity.asgi:app``."""

import gc

from smartcity.app import create_app
from smartcity.core.search_text import load_dictionary

app = create_app()
load_dictionary()  # the first search does not wait for it, and it is frozen below

# A server process lives long: the objects of its imports and of the application are
# never garbage, so the cyclic collector should not walk them again on each full
# collection (hundreds of thousands of objects: route tables, mappers, schemas,
# templates, the search's dictionary). Collect what start-up left over, then set the rest aside.
gc.collect()
gc.freeze()
