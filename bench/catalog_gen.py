"""A large synthetic catalog for benchmarks: titles, brands, categories, prices.

Deterministic for a seed; vocabulary from faker-commerce plus common product
nouns and colours, so queries hit realistic mixes of rare and common words.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import faker_commerce
from faker import Faker

NOUNS = [
    "kettle",
    "toaster",
    "blender",
    "mixer",
    "grinder",
    "knife",
    "pan",
    "skillet",
    "pot",
    "mug",
    "cup",
    "bowl",
    "plate",
    "lamp",
    "chair",
    "table",
    "desk",
    "shelf",
    "sofa",
    "pillow",
    "blanket",
    "towel",
    "rug",
    "curtain",
    "mirror",
    "clock",
    "speaker",
    "headphones",
    "earbuds",
    "charger",
    "cable",
    "keyboard",
    "mouse",
    "monitor",
    "laptop",
    "tablet",
    "camera",
    "tripod",
    "drone",
    "watch",
    "bracelet",
    "necklace",
    "ring",
    "wallet",
    "backpack",
    "suitcase",
    "jacket",
    "hoodie",
    "sweater",
    "shirt",
    "pants",
    "jeans",
    "shorts",
    "dress",
    "skirt",
    "socks",
    "shoes",
    "boots",
    "sneakers",
    "sandals",
    "hat",
    "gloves",
    "scarf",
    "umbrella",
    "bottle",
    "tent",
    "sleeping-bag",
    "lantern",
    "flashlight",
    "bicycle",
    "helmet",
    "ball",
    "racket",
    "dumbbell",
    "yoga-mat",
    "puzzle",
    "doll",
    "robot",
    "blocks",
    "crayons",
    "notebook",
    "pen",
    "pencil",
    "stapler",
    "printer",
    "router",
    "drill",
    "hammer",
    "wrench",
    "saw",
    "screwdriver",
    "toolbox",
    "vacuum",
    "fan",
    "heater",
    "humidifier",
    "shampoo",
    "conditioner",
    "soap",
    "lotion",
    "perfume",
    "razor",
    "toothbrush",
]
MODIFIERS = ("Pro", "Max", "Mini", "Plus", "Lite", "XL", "2-Pack", "Set", "Deluxe", "Classic")


@dataclass(frozen=True)
class SyntheticProduct:
    asin: str
    title: str
    brand: str
    category_path: tuple[str, ...]
    category_names: str
    price_minor: int
    in_stock: bool
    platform: bool
    delivery_days: int
    velocity: float


def vocabulary(seed: int = 1) -> dict[str, list[str]]:
    fake = Faker()
    Faker.seed(seed)
    brands = sorted({fake.company().split()[0].strip(",") for _ in range(4000)})
    colours = sorted({fake.color_name() for _ in range(400)})
    return {
        "brands": brands,
        "colours": colours,
        "adjectives": list(faker_commerce.PRODUCT_DATA["adjective"]),
        "materials": list(faker_commerce.PRODUCT_DATA["material"]),
        "nouns": [n.replace("-", " ") for n in NOUNS]
        + [p.lower() for p in faker_commerce.PRODUCT_DATA["product"]],
        "categories": list(faker_commerce.CATEGORIES),
    }


def products(count: int, seed: int = 1) -> Iterator[SyntheticProduct]:
    words = vocabulary(seed)
    rng = random.Random(seed)
    subcategories = {
        c: [
            f"{c} {s}"
            for s in (
                "Essentials",
                "Accessories",
                "Premium",
                "Kids",
                "Outdoor",
                "Home",
                "Travel",
                "Gifts",
            )
        ]
        for c in words["categories"]
    }
    for n in range(count):
        brand = rng.choice(words["brands"])
        noun = rng.choice(words["nouns"])
        parts = [brand, rng.choice(words["adjectives"]), rng.choice(words["materials"]), noun]
        if rng.random() < 0.5:
            parts.insert(1, rng.choice(words["colours"]))
        if rng.random() < 0.3:
            parts.append(rng.choice(MODIFIERS))
        top = words["categories"][zlib.crc32(noun.encode()) % len(words["categories"])]
        sub = rng.choice(subcategories[top])
        slug_top, slug_sub = top.lower(), f"{top.lower()}/{sub.lower().replace(' ', '-')}"
        yield SyntheticProduct(
            asin=f"B0{n:08d}",
            title=" ".join(parts),
            brand=brand,
            category_path=(slug_top, slug_sub),
            category_names=f"{top} {sub}",
            price_minor=int(rng.lognormvariate(7.8, 0.9)),
            in_stock=rng.random() < 0.9,
            platform=rng.random() < 0.3,
            delivery_days=rng.randint(1, 9),
            velocity=rng.paretovariate(1.5) - 1,
        )


def queries(count: int, seed: int = 2) -> list[tuple[str, dict[str, object]]]:
    """Buyer-like queries of one to four words, some with filters."""
    words = vocabulary(1)
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        shape = rng.random()
        noun = rng.choice(words["nouns"])
        if shape < 0.35:
            text = noun
        elif shape < 0.6:
            text = f"{rng.choice(words['adjectives']).lower()} {noun}"
        elif shape < 0.8:
            text = f"{rng.choice(words['brands'])} {noun}"
        else:
            text = (
                f"{rng.choice(words['colours']).lower()} {rng.choice(words['materials'])} {noun}"
            ).lower()
        filters: dict[str, object] = {}
        roll = rng.random()
        if roll < 0.2:
            filters["price_max_minor"] = rng.choice([1000, 2500, 5000])
        elif roll < 0.35:
            filters["platform_fulfilled"] = True
        result.append((text, filters))
    return result
