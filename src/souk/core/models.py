"""Imports every capability's tables so metadata and migrations see them all."""

from souk.accounts import models as accounts  # noqa: F401
from souk.ads import models as ads  # noqa: F401
from souk.catalog import models as catalog  # noqa: F401
from souk.core import events  # noqa: F401
from souk.core.db import Base
from souk.fulfillment import models as fulfillment  # noqa: F401
from souk.jobs import registry  # noqa: F401
from souk.messaging import models as messaging  # noqa: F401
from souk.offers import models as offers  # noqa: F401
from souk.ops import models as ops  # noqa: F401
from souk.orders import models as orders  # noqa: F401
from souk.rankings import models as rankings  # noqa: F401
from souk.rankings import service as ranking_handlers  # noqa: F401  (event handlers)
from souk.recs import service as recs  # noqa: F401  (tables and event handlers)
from souk.reviews import models as reviews  # noqa: F401
from souk.search import models as search  # noqa: F401
from souk.search import service as search_handlers  # noqa: F401  (event handlers)
from souk.sellers import models as sellers  # noqa: F401

metadata = Base.metadata
