"""Start the demo wiki: ``python run.py [--host 127.0.0.1] [--port 5000]``.

On first start it creates the database, imports ``content/`` (when
``WIKI_LOAD_CONTENT`` is on and the wiki is empty), builds the search index,
then serves with Flask's development server. Production uses gunicorn:
``gunicorn -w 4 'wiki:create_app()'``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from wiki import cli, content_io, create_app, db, search
from wiki.articles import count_articles


def prepare(app) -> None:
    """Bring the schema up to date, load the demo content into an empty wiki, catch the index up."""
    with app.app_context():
        cli.upgrade_schema(app)
        session = db.session()
        if app.config["LOAD_CONTENT"] and count_articles(session) == 0:
            files, errors = content_io.read_dir(Path(app.config["CONTENT_DIR"]))
            for error in errors:
                print(f"skipped: {error}")
            counts = cli.import_files(files)
            print(f"Imported {counts['created']} articles from {app.config['CONTENT_DIR']}.")
        search.catch_up_now(app)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Asclepedia demo server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--debug", action="store_true", help="Flask debug mode (reloader, debugger).")
    args = parser.parse_args(argv)
    app = create_app()
    prepare(app)
    print(f"Asclepedia is running at http://{args.host}:{args.port}/ (Ctrl-C stops it)")
    app.run(host=args.host, port=args.port, debug=args.debug, use_reloader=args.debug)


if __name__ == "__main__":
    main()
