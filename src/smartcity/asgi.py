"""ASGI entry point for servers: ``uvicorn smartcity.asgi:app``."""

import gc

from smartcity.app import create_app

app = create_app()

# A server process lives long: the objects of its imports and of the application are
# never garbage, so the cyclic collector should not walk them again on each full
# collection (hundreds of thousands of objects: route tables, mappers, schemas,
# templates). Collect what start-up left over, then set the rest aside.
gc.collect()
gc.freeze()
