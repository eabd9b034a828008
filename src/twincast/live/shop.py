"""The shop side of a live session: live stock and orders, in the analytics database.

Why stock lives in SQLite next to the orders: an order and its stock decrement must be one
fact. :meth:`Shop.order` runs one transaction with a conditional ``UPDATE ... WHERE remaining
>= qty``; when it changes no row the order is refused and nothing is written, so concurrent
buyers (threads, or another process on the same file) can never take stock below zero.

Stock counts per session: each product starts at the catalog's ``stock`` when the session first
sells it or asks for it (the catalog says what this show has to sell); orders then decrement it.
The viewer shelf, ``show.products()`` and the host's stock lines read
:meth:`Shop.remaining_stock` (the show gets it through its optional ``use_stock`` method).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from .api import ProductInfo

SCHEMA = """
CREATE TABLE IF NOT EXISTS stock(session TEXT NOT NULL, product TEXT NOT NULL, initial INTEGER NOT NULL,
  remaining INTEGER NOT NULL CHECK (remaining >= 0), PRIMARY KEY (session, product));
"""


class OutOfStock(Exception):
    """Refused: ``remaining`` pieces are left (0: sold out)."""

    def __init__(self, product_id: str, remaining: int, wanted: int) -> None:
        self.product_id, self.remaining, self.wanted = product_id, remaining, wanted
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.remaining <= 0:
            return "sold out"
        return f"only {self.remaining} left (you asked for {self.wanted})"


class Shop:
    """Stock and orders of one session. ``products`` returns the catalog as the show knows it."""

    def __init__(self, analytics, session_id: str, products: Callable[[], Iterable[ProductInfo]]) -> None:
        self.analytics, self.session_id, self._products = analytics, session_id, products
        analytics.query(SCHEMA)
        self.seed(products())

    def seed(self, products: Iterable[ProductInfo]) -> None:
        """Start each product at its catalog stock unless this session already has a count."""
        rows = [(self.session_id, p.id, max(0, int(p.stock)), max(0, int(p.stock))) for p in products]
        with self.analytics.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO stock(session, product, initial, remaining) VALUES (?, ?, ?, ?)", rows)

    def remaining_stock(self, product_id: str) -> Optional[int]:
        """Pieces left in this session, or None for a product this shop has not seen."""
        r = self.analytics.query("SELECT remaining FROM stock WHERE session=? AND product=?",
                                 (self.session_id, product_id))
        return int(r[0][0]) if r else None

    def shelf(self, products: Iterable[ProductInfo]) -> list[ProductInfo]:
        """``products`` with their live stock (what the viewer page shows)."""
        live = dict(self.analytics.query("SELECT product, remaining FROM stock WHERE session=?", (self.session_id,)))
        return [p if p.id not in live else _with_stock(p, int(live[p.id])) for p in products]

    def order(self, viewer: str, nick: str, product: ProductInfo, qty: int) -> dict[str, Any]:
        """Take ``qty`` pieces and record the order at the catalog price, atomically; raises
        :class:`OutOfStock` (nothing written) when fewer are left."""
        unit = product.promo_price if product.promo_price is not None else product.price
        self.seed([product])
        with self.analytics.transaction() as db:
            cur = db.execute("UPDATE stock SET remaining = remaining - ? WHERE session=? AND product=? AND remaining >= ?",
                             (qty, self.session_id, product.id, qty))
            if cur.rowcount != 1:
                left = db.execute("SELECT remaining FROM stock WHERE session=? AND product=?",
                                  (self.session_id, product.id)).fetchone()
                raise OutOfStock(product.id, int(left[0]) if left else 0, qty)
            order = self.analytics.record_order(self.session_id, viewer, nick, product.id, qty, unit, product.currency)
            left = db.execute("SELECT remaining FROM stock WHERE session=? AND product=?",
                              (self.session_id, product.id)).fetchone()
        return {**order, "remaining": int(left[0])}


def _with_stock(p: ProductInfo, stock: int) -> ProductInfo:
    return ProductInfo(p.id, p.link, p.name, p.price, p.promo_price, p.currency, stock, p.image_url)
