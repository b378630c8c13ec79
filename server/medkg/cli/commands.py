"""The graph's commands: query, validate, serve, load, export. Thin: each parses its options and
calls the core modules."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Annotated, Optional

import typer

from medkg.cli.common import (
    RDF_IN_FOLDERS,
    BaseOption,
    CliError,
    Command,
    VocabOption,
    _port,
    _read_query,
    _root_path,
    _seconds,
    _vocab_files,
    app,
    leave_to_exit,
    note_skipped,
    write_out,
)
from medkg.graph.namespaces import DEFAULT_BASE
from medkg.sparql import formats


@app.command(cls=Command)
def query(
    ctx: typer.Context,
    query: Annotated[
        Optional[str],
        typer.Argument(help="The SPARQL query: its text, a .rq/.sparql file, or - to read standard input.",
                       show_default=False),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help=(
                f"table (default, any query), or {' / '.join(f.name for f in formats.RESULTS_FORMATS)} for SELECT and ASK, "
                f"{' / '.join(f.name for f in formats.GRAPH_FORMATS)} for CONSTRUCT and DESCRIBE."
            ),
        ),
    ] = "table",
    paths: Annotated[
        Optional[list[Path]],
        typer.Option("--data", help=f"Query these RDF files or folders instead of the packaged graph ({RDF_IN_FOLDERS})."),
    ] = None,
    vocab: VocabOption = None,
    competency: Annotated[
        Optional[str],
        typer.Option("--competency", "-c", help="Run a packaged competency question instead of QUERY: its number "
                     "(01) or file name (01-symptoms-of-sacral-fracture). Works from any directory.", show_default=False),
    ] = None,
    list_competency: Annotated[
        bool, typer.Option("--list-competency", help="List the packaged competency questions (number, name, question) and exit.")
    ] = False,
    allow_service: Annotated[
        bool, typer.Option("--allow-service", help="Allow SPARQL SERVICE (federated queries that make medkg fetch URLs). Off by default, as on the server.")
    ] = False,
    base: BaseOption = DEFAULT_BASE,
) -> None:
    """Run a SPARQL query on the packaged graph, no server needed.

    The usual prefixes (medkg:, mkg:, src:, skos:, rdfs:, schema:, prov:, HP:, ICD10CM:, ...) are
    predeclared. The default graph is the union of the ontology and data graphs (and of the
    vocabularies' graphs with --vocab). Relative IRIs resolve against the graph's base (--base;
    so DESCRIBE <concept/sacrum> is medkg:sacrum) unless the query has a BASE line.

    SERVICE (a federated query) is refused unless --allow-service, as `medkg serve` refuses it.

    Exit 0 on success, 1 when the query is invalid or fails (a SERVICE call that fails), 2 when an
    input cannot be read or an option is wrong (SERVICE without --allow-service).
    """
    from medkg.graph import resources
    from medkg.graph.loading import new_store
    from medkg.sparql.query import as_table, render_table, run_query, serialize
    from medkg.sparql.text import uses_service

    if list_competency:
        for number, path in resources.competency_queries().items():
            question = textwrap.fill(resources.competency_title(path), 100, initial_indent="    ", subsequent_indent="    ")
            write_out(f"{number}  {path.stem}\n{question}\n")
        return
    if query is None and competency is None:
        ctx.fail("Missing argument 'QUERY': give a query, or --competency NAME (medkg query --list-competency lists them)")
    if query is not None and competency is not None:
        ctx.fail("give either a QUERY or --competency NAME, not both")
    if competency is not None:
        try:
            query = str(resources.competency_query(competency))
        except KeyError as error:
            raise CliError(str(error.args[0]), 2) from None
    assert query is not None
    text = _read_query(query)
    federated = uses_service(text)
    if federated and not allow_service:
        raise CliError("SERVICE (federated query) is disabled: it would make medkg fetch other URLs. Query the "
                       "remote endpoint directly, or pass --allow-service", 2)
    note_skipped(paths)
    store = new_store(paths, base, _vocab_files(vocab))
    try:  # results are lazy: a SERVICE call runs (and fails) while they are read
        result = run_query(store, text, base=base, base_iri=base)
        fmt = fmt.lower()
        output = render_table(as_table(result, base)).encode() if fmt == "table" else serialize(result, fmt, base, also=("table",))
    except (OSError, SyntaxError, ValueError, RuntimeError) as error:  # the last three: a remote answer unreadable
        if not federated and not isinstance(error, OSError):
            raise
        what = "a SERVICE call failed" if federated else "the query failed"
        raise CliError(f"{what}: {error}" + ("; check the endpoint's URL, or query it directly" if federated else ""), 1) from error
    write_out(output)


@app.command(cls=Command)
def validate(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(help=f"RDF files or folders to validate instead of the packaged facts ({RDF_IN_FOLDERS}).", show_default=False),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text (default): results grouped by node; json or turtle: the SHACL report.")
    ] = "text",
    shapes: Annotated[
        Optional[list[Path]], typer.Option("--shapes", help="Validate against these Turtle shapes files or folders (their .ttl files) instead of the packaged shapes/.", show_default=False)
    ] = None,
    engine: Annotated[
        str, typer.Option(help="oxigraph (default: constraints compiled to SPARQL) or pyshacl (the reference, slow).")
    ] = "oxigraph",
    vocab: VocabOption = None,
    base: BaseOption = DEFAULT_BASE,
) -> None:
    """Check the graph against the SHACL shapes and say what to fix.

    With no PATH, checks the packaged graph (ontology/ and data/). With PATHs (files, or folders
    whose RDF files are read), checks those instead of the packaged facts, together with the
    packaged ontology, unless one of the files declares an owl:Ontology (then that is the ontology).
    Validate a whole folder (e.g. data/) to check links between files. With --base, the graph is
    checked as `medkg serve --base` serves it: its IRIs, and the shapes', moved under that base.
    With --vocab, together with the reference vocabularies, as `medkg serve --vocab` serves them
    (the oxigraph engine only; results are located in the curated files).

    Text output groups the results by node (with its label, and the file and line where a node
    with a violation or warning is written; for an axiom, its statement): severity, message (the fix), the property and value
    at fault (for a value defined nowhere, the nearest defined IRI: "did you mean ...?"), and the shape. Violations must be fixed (a wrong or untraceable fact); warnings are
    gaps to fill; infos are advice (e.g. a condition with no ICD-10-CM code). On a terminal,
    progress is shown on stderr.

    Exit 0 when there is no violation (warnings and infos may be printed), 1 on violations, 2 when a file
    cannot be read or parsed (the message names the file and line).
    """
    from medkg.validation import load_graph_to_validate, tty_progress, validate_loaded_graph

    if fmt not in ("text", "json", "turtle"):
        raise CliError(f"--format must be text, json or turtle, not {fmt!r}", 2)
    if engine not in ("oxigraph", "pyshacl"):
        raise CliError(f"--engine must be oxigraph or pyshacl, not {engine!r}", 2)
    if vocab is not None and engine == "pyshacl":
        raise CliError("--vocab validates with the oxigraph engine only (pyshacl would take hours on millions "
                       "of triples): leave out --engine pyshacl", 2)
    note_skipped(paths)
    note_skipped(shapes, suffixes=(".ttl",))
    progress = tty_progress()
    vocabularies = _vocab_files(vocab)
    store, files = load_graph_to_validate(paths or None, progress=progress, base=base, vocab=vocabularies)
    leave_to_exit(store)
    report = validate_loaded_graph(store, files, shapes=shapes or None, engine=engine, progress=progress, base=base,
                                   vocab=vocabularies)
    write_out(report.to_json() + "\n" if fmt == "json" else report.to_turtle() if fmt == "turtle" else report.to_text())
    if not report.conforms:
        count = len(report.violations)
        where = "listed above" if fmt == "text" else f"in the {'JSON' if fmt == 'json' else 'Turtle'} report"
        raise CliError(f"the graph does not conform: {count} violation{'' if count == 1 else 's'} ({where})", 1)


@app.command(cls=Command)
def serve(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(help=f"RDF files or folders to serve instead of the packaged graph ({RDF_IN_FOLDERS}).", show_default=False),
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on (1-65535).", callback=_port)] = 8000,
    store: Annotated[str, typer.Option(help="Where the graph lives: memory; DIR, a persistent on-disk store (loaded once, reloaded when the inputs change); or the query endpoint URL of a SPARQL server that holds it, put there by medkg load: for oxigraph serve http://HOST:7878/query, for Virtuoso http://HOST:8890/sparql")] = "memory",
    no_validate: Annotated[bool, typer.Option("--no-validate", help="Serve even if the graph violates the shapes.")] = False,
    timeout: Annotated[
        float, typer.Option(help="Seconds a query may run before it is stopped (504). Clients may ask for less with ?timeout=.", callback=_seconds)
    ] = 30.0,
    workers: Annotated[
        Optional[int],
        typer.Option(help="Query worker processes, i.e. queries running at once (default: two per core, at least 4).", min=1, show_default=False),
    ] = None,
    max_queue: Annotated[
        int, typer.Option(help="Queries that may wait for a free worker; beyond that the server answers 503.", min=0)
    ] = 64,
    max_request_bytes: Annotated[
        int, typer.Option(help="Largest query string or request body accepted (414 / 413 beyond).", min=64)
    ] = 1024 * 1024,
    max_header_bytes: Annotated[
        int, typer.Option(help="Largest request header section accepted (431 beyond).", min=1024)
    ] = 64 * 1024,
    max_connections: Annotated[
        int, typer.Option(help="Open connections served at once; beyond that new ones get 503.", min=1)
    ] = 1000,
    stream_after_bytes: Annotated[
        int, typer.Option(help="Results larger than this (as sent: gzip-compressed when the client takes gzip) are streamed; a streamed result cut short by the timeout ends with a dropped connection.", min=0)
    ] = 1024 * 1024,
    cache_bytes: Annotated[
        int, typer.Option(help="Memory for answers to repeated queries (cleared by each curated write); 0 turns the cache off.", min=0)
    ] = 64 * 1024 * 1024,
    query_memory_bytes: Annotated[
        int, typer.Option(help="Memory one query may take beyond the loaded store (a sort or grouping of a huge result); past it the query fails with a 500 instead of exhausting the machine. 0: no cap.", min=0)
    ] = 2 * 1024**3,
    allow_service: Annotated[
        bool, typer.Option("--allow-service", help="Allow SPARQL SERVICE (federated queries that make the server fetch URLs). Off by default.")
    ] = False,
    cors_origin: Annotated[
        Optional[list[str]], typer.Option(help="Origin allowed to query from a browser (repeatable; default: any).", show_default=False)
    ] = None,
    access_log: Annotated[bool, typer.Option("--access-log", help="Log every request.")] = False,
    write_token: Annotated[
        Optional[str],
        typer.Option(help="Accept curated writes (SPARQL Update on /sparql, Graph Store Protocol on /store) "
                     "from clients sending 'Authorization: Bearer SECRET'. The value is SECRET or NAME:SECRET (NAME is "
                     "recorded in the provenance graph); SECRET has 16+ characters. Default: $MEDKG_WRITE_TOKEN, "
                     "better than this option, which other users can see in the process list. Never logged. "
                     "Without a token the server is read-only.", show_default=False),
    ] = None,
    force_reload: Annotated[
        bool, typer.Option("--force-reload", help="With --store DIR: reload changed inputs even though the store holds curated writes, dropping them (export them first with `medkg export --store DIR`).")
    ] = False,
    vocab: VocabOption = None,
    root_path: Annotated[
        str, typer.Option("--root-path", help="Behind a reverse proxy that strips a path prefix before passing requests on: "
                          "that prefix (e.g. /medkg), so links and the endpoint's URL are written as clients see them. "
                          "Requests under the path of --base are served there without it.", callback=_root_path)
    ] = "",
    base: BaseOption = DEFAULT_BASE,
) -> None:
    """Serve the graph: SPARQL 1.1 endpoint at /sparql, health at /health, API docs at /docs.

    Loads the packaged graph (or PATHs), validates it against the shapes (exit 1 on violations
    unless --no-validate; the vocabularies of --vocab are checked against their shapes when
    built), then serves on http://HOST:PORT until interrupted. Queries run in
    separate worker processes, so a query past its timeout is really stopped.

    Exit 1 on violations or when the web server fails to start after loading; 2 when an input
    cannot be read, an option is wrong or the port is taken (checked before loading, and again,
    holding it, before "serving" is announced).
    """
    from medkg.serve import ServeError
    from medkg.serve import serve as run_server
    from medkg.settings import Settings, default_workers
    from medkg.writes.auth import token_from

    try:
        token = token_from(write_token)
    except ValueError as error:
        raise CliError(f"--write-token / $MEDKG_WRITE_TOKEN: {error}", 2) from None
    note_skipped(paths)
    vocab_files = _vocab_files(vocab)
    settings = Settings(
        vocab=tuple(vocab_files),
        write_token=token,
        force_reload=force_reload,
        base=base,
        paths=tuple(paths or ()),
        store=store,
        host=host,
        port=port,
        query_timeout=timeout,
        workers=workers or default_workers(),
        max_queue=max_queue,
        max_request_bytes=max_request_bytes,
        max_header_bytes=max_header_bytes,
        max_connections=max_connections,
        stream_after_bytes=stream_after_bytes,
        cache_bytes=cache_bytes,
        query_memory_bytes=query_memory_bytes,
        allow_service=allow_service,
        cors_origins=tuple(cors_origin or ("*",)),
        root_path=root_path,
    )
    try:
        run_server(settings, validate=not no_validate, access_log=access_log)
    except ServeError as error:
        raise CliError(str(error), error.code) from error


@app.command(cls=Command)
def load(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(help=f"RDF files or folders to load instead of the packaged graph ({RDF_IN_FOLDERS}).", show_default=False),
    ] = None,
    into: Annotated[str, typer.Option("--into", help="The server's SPARQL query endpoint URL: for Oxigraph http://HOST:7878/query, for Virtuoso http://HOST:8890/sparql")] = "",
    graph: Annotated[
        Optional[str], typer.Option(help="Named graph to load into (default: the packaged graph's own two; for PATHs, BASE + graph/data).", show_default=False)
    ] = None,
    update_url: Annotated[Optional[str], typer.Option(help="SPARQL Update endpoint, when not derivable from --into.", show_default=False)] = None,
    store_url: Annotated[Optional[str], typer.Option(help="Graph Store Protocol endpoint, when not derivable from --into.", show_default=False)] = None,
    protocol: Annotated[str, typer.Option(help="auto (Graph Store Protocol, else SPARQL Update), graph-store or update.")] = "auto",
    timeout: Annotated[float, typer.Option(help="Seconds to wait on each step of each request.", callback=_seconds)] = 120.0,
    no_validate: Annotated[bool, typer.Option("--no-validate", help="Load even if the graph violates the shapes.")] = False,
    base: BaseOption = DEFAULT_BASE,
) -> None:
    """Put the graph on a SPARQL 1.1 server (replacing its graphs: loading twice is harmless).

    Uses the Graph Store Protocol (one streamed PUT per named graph on Oxigraph, POSTs of batches
    elsewhere), falling back to SPARQL Update (INSERT DATA in batches). Validates first, as `medkg
    serve` does. A server that wants a login (Virtuoso: a user with the SPARQL_UPDATE role) gets the
    user name and password in the environment variables MEDKG_STORE_USER and MEDKG_STORE_PASSWORD
    (Digest or Basic authentication; on Virtuoso they send medkg to /sparql-auth and
    /sparql-graph-crud-auth). Exit 0 on success, 1 when the graph violates the shapes or the server
    fails or refuses, 2 when an input cannot be read or an option is wrong.
    """
    from medkg.sparql.client import is_iri
    from medkg.store.remote import RemoteError, endpoints
    from medkg.store.remote_auth import credentials_from_env
    from medkg.store.remote_load import load_into, tty_progress

    if not into:
        raise CliError("--into URL is required: the SPARQL query endpoint of the server to load", 2)
    if "://" not in into:  # never written into by load: a served folder must not change under its server
        raise CliError(f"--into {into}: give the query endpoint URL of a SPARQL server; an on-disk store folder "
                       f"is filled by `medkg serve --store {into} [PATH ...]` itself (stop the server serving it first)", 2)
    if protocol not in ("auto", "graph-store", "update"):
        raise CliError(f"--protocol must be auto, graph-store or update, not {protocol!r}", 2)
    if graph is not None and not is_iri(graph):
        raise CliError(f"--graph {graph!r} is not an absolute IRI", 2)
    note_skipped(paths)
    if not no_validate:  # as `medkg serve` does: a server never gets a graph that violates the shapes
        from medkg.validation import validate_graph

        checked = validate_graph(list(paths or []) or None)
        if not checked.conforms:
            typer.echo(checked.to_text(min_severity="Violation"), err=True)
            raise CliError("the graph violates the shapes (listed above); fix it, or pass --no-validate", 1)
    try:
        targets = endpoints(into, update_url, store_url, credentials_from_env())
        report = load_into(targets, paths, graph=graph, base=base, timeout=timeout,
                           progress=tty_progress(), protocol=protocol)
    except ValueError as error:
        raise CliError(str(error), 2) from error
    except RemoteError as error:
        raise CliError(str(error), 1) from error
    total = sum(report.graphs.values())
    typer.echo(
        f"medkg: loaded {total} triples into {len(report.graphs)} graph(s) at {into} "
        f"({report.protocol} protocol, {report.seconds:.1f} s)", err=True,
    )


@app.command(cls=Command)
def export(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(help=f"RDF files or folders to export instead of the packaged graph ({RDF_IN_FOLDERS}).", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder to write ontology/ and data/ into (created if missing).")] = Path("medkg-export"),
    store: Annotated[
        Optional[Path], typer.Option("--store", help="Export the graph of an on-disk store (a `medkg serve --store DIR` folder).", show_default=False)
    ] = None,
    base: BaseOption = DEFAULT_BASE,
) -> None:
    """Write the graph back as sorted, diff-friendly Turtle in the layout of ontology/ and data/.

    A file per kind of concept (conditions, symptoms, risk factors, course, anatomy, procedures),
    and sources, corrections, mappings and dataset files; each owl:Axiom right after the triple it
    annotates. Exporting the same graph twice gives the same bytes. Export into a checkout
    (--out .) to review curated changes with git diff: over existing files, statements whose triples
    did not change are kept as written (with their comments), and only the changed ones are
    rewritten. Exit 0 on success, 2 when an input cannot be read.
    """
    from medkg.graph.loading import new_store
    from medkg.store.export import export_store, open_store_dir

    note_skipped(paths)
    graph = open_store_dir(store) if store is not None else new_store(paths, base)
    try:
        files = export_store(graph, out, base)
    except OSError as error:
        raise CliError(f"cannot write into {out}: {error.strerror or error}", 2) from error
    typer.echo(f"medkg: wrote {sum(f.triples for f in files)} triples in {len(files)} files under {out}", err=True)
