"""souk's command line. Every command honours ``SOUK_DATABASE_URL``."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from souk.buybox.commands import buybox_app
from souk.core.config import get_settings
from souk.core.errors import SoukError
from souk.finance.commands import finance_app
from souk.fulfillment.commands import fulfilment_app
from souk.globalselling.commands import global_app
from souk.identity.commands import identity_app
from souk.messaging.commands import messaging_app
from souk.performance.commands import performance_app
from souk.policy.commands import policy_app
from souk.recs.commands import recs_app
from souk.sellerapi.commands import seller_api_app

app = typer.Typer(help="souk: an open-source multi-seller marketplace.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo marketplace.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
sellers_app = typer.Typer(help="Seller accounts.", no_args_is_help=True)
search_app = typer.Typer(help="The product search index.", no_args_is_help=True)
staff_app = typer.Typer(help="Platform staff (operations console).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(jobs_app, name="jobs")
app.add_typer(sellers_app, name="sellers")
app.add_typer(search_app, name="search")
app.add_typer(staff_app, name="staff")
app.add_typer(messaging_app, name="messaging")
app.add_typer(recs_app, name="recs")
app.add_typer(seller_api_app, name="seller-api")
app.add_typer(buybox_app, name="buybox")
app.add_typer(performance_app, name="performance")
app.add_typer(global_app, name="global")
app.add_typer(identity_app, name="identity")
app.add_typer(policy_app, name="policy")
app.add_typer(fulfilment_app, name="fulfilment")
app.add_typer(finance_app, name="finance")
console = Console()


def _runtime():  # type: ignore[no-untyped-def]
    from souk.core.runtime import Runtime

    rt = Runtime.build()
    rt.deliver_inline()
    return rt


def _fail(error: SoukError) -> None:
    console.print(f"[red]error:[/red] {error.message}")
    raise typer.Exit(2)


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply schema migrations up to REVISION (default: the newest)."""
    from souk.core.migrate import upgrade

    upgrade(get_settings().resolved_database_url(), revision)
    console.print("Database is up to date.")
    # A newer souk may index other fields: rebuild an index an older one wrote, so
    # that search keeps working after an upgrade without a step to remember.
    from souk.search.service import rebuild

    rt = _runtime()
    try:
        if not rt.search_index.is_current():
            with rt.read_sessions() as session:
                count = rebuild(session, rt.clock, rt.search_index)
            console.print(f"Search index rebuilt for this version of souk ({count} pages).")
    finally:
        rt.close()


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[bool, typer.Option(help="Do nothing when demo data is there.")] = False,
    products: Annotated[int, typer.Option(min=50, help="Products in the catalog.")] = 2000,
    sellers: Annotated[int, typer.Option(min=3, help="Third-party sellers.")] = 40,
    buyers: Annotated[int, typer.Option(min=5, help="Buyer accounts.")] = 300,
    days: Annotated[int, typer.Option(min=0, help="Days of simulated trade.")] = 8,
    seed: int = 7,
) -> None:
    """Load the demo marketplace: catalog, images, sellers, buyers, days of orders."""
    from souk.simulation.demo import DEMO_LOGINS, demo_is_loaded, load_demo

    rt = _runtime()
    try:
        with rt.read_sessions() as session:
            if demo_is_loaded(session):
                if not if_empty:
                    console.print("Demo data is already loaded.")
                return
        summary = load_demo(
            rt,
            products=products,
            sellers=sellers,
            buyers=buyers,
            days=days,
            seed=seed,
            progress=True,
        )
        console.print(summary.describe())
        for role, email, password in DEMO_LOGINS:
            console.print(f"  {role:<8} {email}  /  {password}")
    finally:
        rt.close()


@app.command()
def simulate(
    days: Annotated[int, typer.Option(min=1, max=365, help="Days of trade to simulate.")] = 7,
    seed: int = 11,
    orders_per_day: Annotated[int, typer.Option(min=1, help="Average orders a day.")] = 150,
) -> None:
    """Drive synthetic buyers and sellers through DAYS of trade on a simulated clock."""
    from souk.simulation.simulator import simulate as run

    rt = _runtime()
    try:
        report = run(rt, days=days, seed=seed, orders_per_day=orders_per_day, progress=True)
        console.print(report.describe())
    except SoukError as error:
        _fail(error)
    finally:
        rt.close()


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the storefront, Seller Central and the APIs."""
    import uvicorn

    from souk.simulation.demo import DEMO_LOGINS

    console.print(f"souk is at http://{host}:{port}  (Seller Central: /seller)")
    for role, email, password in DEMO_LOGINS:
        console.print(f"  sign in as {role:<7} {email} / {password}")
    uvicorn.run(
        "souk.web.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=False,
    )


@jobs_app.command("list")
def jobs_list() -> None:
    """The registered periodic jobs."""
    from souk.jobs.registry import all_jobs

    table = Table("job", "every", "what it does")
    for job in all_jobs():
        table.add_row(job.name, str(job.every), job.description)
    console.print(table)


@jobs_app.command("run")
def jobs_run(
    name: Annotated[str | None, typer.Argument(help="One job; all due jobs when left out.")] = None,
) -> None:
    """Run one job now, or every job that is due."""
    from souk.jobs.registry import run_due, run_job

    rt = _runtime()
    try:
        if name:
            try:
                console.print(f"{name}: {run_job(rt.sessions, rt.clock, name)}")
            except KeyError:
                console.print(f"[red]error:[/red] no job named {name!r}; see 'souk jobs list'.")
                raise typer.Exit(2) from None
        else:
            for job_name, result in run_due(rt.sessions, rt.clock).items():
                console.print(f"{job_name}: {result}")
    finally:
        rt.close()


@sellers_app.command("create")
def sellers_create(
    business_name: Annotated[str, typer.Option("--business-name")],
    email: Annotated[str, typer.Option("--email")],
    country: Annotated[str, typer.Option("--country")],
    plan: Annotated[str, typer.Option("--plan", help="professional or individual")],
    password: Annotated[str | None, typer.Option(help="Generated when left out.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Register a seller; prints the new seller id (and a generated password)."""
    from souk.sellers.service import register_seller

    rt = _runtime()
    try:
        with rt.sessions() as session:
            seller, generated = register_seller(
                session,
                rt.clock,
                business_name=business_name,
                email=email,
                country=country,
                plan=plan,
                password=password,
            )
        if as_json:
            print(
                json.dumps(
                    {
                        "seller_id": seller.id,
                        "business_name": seller.business_name,
                        "email": seller.email,
                        "country": seller.country,
                        "plan": seller.plan,
                        "password": generated,
                    }
                )
            )
        else:
            print(seller.id)
            if generated:
                console.print(f"Seller Central password for {seller.email}: {generated}")
    except SoukError as error:
        _fail(error)
    finally:
        rt.close()


@staff_app.command("create")
def staff_create(
    email: Annotated[str, typer.Option("--email")],
    name: Annotated[str, typer.Option("--name")],
    password: Annotated[str, typer.Option("--password")],
) -> None:
    """Create a staff user who can sign in to the operations console at /ops."""
    from souk.accounts.service import register_user

    rt = _runtime()
    try:
        with rt.sessions() as session:
            user = register_user(
                session, rt.clock, email=email, name=name, password=password, is_staff=True
            )
            print(user.id)
    except SoukError as error:
        _fail(error)
    finally:
        rt.close()


@sellers_app.command("list")
def sellers_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every seller account with its plan and status."""
    from souk.sellers.service import list_sellers

    rt = _runtime()
    try:
        with rt.read_sessions() as session:
            sellers = list_sellers(session, limit=100_000)
        if as_json:
            print(
                json.dumps(
                    [
                        {
                            "seller_id": s.id,
                            "business_name": s.business_name,
                            "email": s.email,
                            "country": s.country,
                            "plan": s.plan,
                            "status": s.status,
                            "platform_retail": s.is_platform_retail,
                        }
                        for s in sellers
                    ]
                )
            )
            return
        table = Table("seller id", "business name", "country", "plan", "status")
        for s in sellers:
            table.add_row(s.id, s.business_name, s.country, s.plan, s.status)
        console.print(table)
    finally:
        rt.close()


@app.command()
def worker(concurrency: int = 2) -> None:
    """Run a Celery worker for outbox delivery and jobs (needs SOUK_BROKER_URL)."""
    from souk.jobs.celery_app import make_celery

    broker = get_settings().broker_url
    if not broker:
        console.print("[red]error:[/red] set SOUK_BROKER_URL, e.g. redis://127.0.0.1:6379/0")
        raise typer.Exit(2)
    make_celery(broker).worker_main(["worker", "--loglevel=INFO", f"--concurrency={concurrency}"])


@search_app.command("rebuild")
def search_rebuild() -> None:
    """Rebuild the search index from the database (searches keep working meanwhile)."""
    from rich.progress import Progress

    from souk.search.service import product_documents, rebuild

    rt = _runtime()
    try:
        with rt.read_sessions() as session, Progress(transient=True) as bar:
            task = bar.add_task("indexing products", total=None)

            def counted():  # type: ignore[no-untyped-def]
                for document in product_documents(session, rt.clock):
                    bar.advance(task)
                    yield document

            count = rebuild(session, rt.clock, rt.search_index, counted())
        size = rt.search_index.size_on_disk() / 1e6
        console.print(f"Indexed {count} product pages ({size:.1f} MB on disk).")
    finally:
        rt.close()


@search_app.command("query")
def search_query(
    text: Annotated[str, typer.Argument(help="What a buyer would type.")],
    marketplace: str = "US",
    category: Annotated[str | None, typer.Option(help="A category path to search in.")] = None,
    limit: int = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ranked product ids for TEXT with each score component (for tuning ranking)."""
    from souk.search.service import SearchRequest, search

    rt = _runtime()
    try:
        page = search(
            rt.search_index,
            SearchRequest(marketplace=marketplace.upper(), text=text, category_path=category),
        )
        rows = page.results[:limit]
        if as_json:
            print(
                json.dumps(
                    {
                        "total": page.total,
                        "matched_all_words": page.matched_all_words,
                        "results": [
                            {
                                "asin": r.asin,
                                "position": r.position,
                                "score": round(r.breakdown.total, 4),
                                "components": {
                                    k: round(v, 4) for k, v in vars(r.breakdown).items()
                                },
                            }
                            for r in rows
                        ],
                    }
                )
            )
            return
        table = Table("#", "asin", "score", "text", "sales", "conversion", "in stock", "delivery")
        for r in rows:
            b = r.breakdown
            table.add_row(
                str(r.position),
                r.asin,
                f"{b.total:.3f}",
                f"{b.text:.3f}",
                f"{b.sales:.3f}",
                f"{b.conversion:.3f}",
                f"{b.availability:.3f}",
                f"{b.delivery:.3f}",
            )
        console.print(
            f"{page.total} products match"
            + ("" if page.matched_all_words else " (any of the words)")
        )
        console.print(table)
    except SoukError as error:
        _fail(error)
    finally:
        rt.close()


def main() -> None:
    app()
