"""Imports every capability's tables so metadata and migrations see them all."""

from souk.accounts import models as accounts  # noqa: F401
from souk.ads import models as ads  # noqa: F401
from souk.buybox import service as buybox  # noqa: F401  (tables and event handlers)
from souk.catalog import models as catalog  # noqa: F401
from souk.core import events  # noqa: F401
from souk.core.db import Base
from souk.feedback import models as feedback  # noqa: F401
from souk.finance import models as finance  # noqa: F401
from souk.finance import service as finance_handlers  # noqa: F401  (ledger handlers, jobs)
from souk.fulfillment import models as fulfillment  # noqa: F401
from souk.fulfillment import network as fulfilment_network  # noqa: F401  (handlers, jobs)
from souk.globalselling import service as global_selling  # noqa: F401  (tables, handlers)
from souk.identity import models as identity  # noqa: F401
from souk.jobs import registry  # noqa: F401
from souk.messaging import models as messaging  # noqa: F401
from souk.offers import models as offers  # noqa: F401
from souk.ops import models as ops  # noqa: F401
from souk.orders import models as orders  # noqa: F401
from souk.performance import models as performance  # noqa: F401
from souk.policy import models as conduct  # noqa: F401
from souk.policy import service as conduct_handlers  # noqa: F401  (event handlers)
from souk.promotions import models as promotions  # noqa: F401
from souk.promotions import service as promotion_handlers  # noqa: F401  (event handlers)
from souk.rankings import models as rankings  # noqa: F401
from souk.rankings import service as ranking_handlers  # noqa: F401  (event handlers)
from souk.recs import service as recs  # noqa: F401  (tables and event handlers)
from souk.returns import models as returns  # noqa: F401
from souk.reviews import models as reviews  # noqa: F401
from souk.search import models as search  # noqa: F401
from souk.search import service as search_handlers  # noqa: F401  (event handlers)
from souk.sellerapi import service as sellerapi  # noqa: F401  (tables and event handlers)
from souk.sellers import models as sellers  # noqa: F401

metadata = Base.metadata
