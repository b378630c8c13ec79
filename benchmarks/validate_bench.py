"""Validation speed: medkg's engine (Oxigraph + constraints compiled to SPARQL) against plain pyshacl
over an rdflib in-memory graph, on synthetic graphs shaped like data/ (benchmarks/synthetic.py).

    python benchmarks/validate_bench.py --triples 100000 1000000 [--pyshacl-timeout 900]

Each measurement runs in its own process (peak memory is that process's max RSS): parse the
N-Triples file and the packaged ontology, then validate against shapes/. Rows:

- medkg: `medkg.validation.validate_graph([file])`, all shapes.
- pyshacl, all shapes: rdflib parse + pyshacl.validate with the same shapes (stopped at the timeout).
- pyshacl, core shapes: the same with only the shapes that use no SPARQL (the kind of baseline the
  issue measured), and medkg on that same subset for a like-for-like row.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _core_shapes_dir(out: Path) -> Path:
    """shapes/*.ttl minus the shapes with sh:sparql, written to ``out``."""
    from rdflib import Graph
    from rdflib.namespace import SH

    from medkg.validation.compiler import top_level_shapes
    from medkg.validation.engine import shapes_subgraph
    from medkg.validation.inputs import load_shapes

    shapes = load_shapes()
    keep = [s for s in top_level_shapes(shapes) if (s, SH.sparql, None) not in shapes]
    core: Graph = shapes_subgraph(shapes, keep)
    out.mkdir(parents=True, exist_ok=True)
    core.serialize(out / "core.ttl", format="turtle")
    return out


def _one(engine: str, path: Path, shapes: str | None) -> dict[str, object]:
    """Runs in the child: parse + validate, returns timings and result counts."""
    start = time.perf_counter()
    if engine == "medkg":
        from medkg.validation import load_data, load_shapes, validate_store

        store, _ = load_data([path])
        parsed = time.perf_counter()
        report = validate_store(store, shapes=load_shapes([shapes] if shapes else None))
        results = len(report.results)
        triples = len(store)
    else:
        import pyshacl
        from rdflib import Graph

        from medkg.graph import resources
        from medkg.validation import load_shapes

        data = Graph()
        data.parse(path, format="nt")
        for ontology in sorted(resources.ontology_dir().glob("*.ttl")):
            data.parse(ontology, format="turtle")
        parsed = time.perf_counter()
        _, report_graph, _ = pyshacl.validate(data, shacl_graph=load_shapes([shapes] if shapes else None), advanced=True, inplace=True)
        from rdflib.namespace import RDF, SH

        results = len(set(report_graph.subjects(RDF.type, SH.ValidationResult)))  # type: ignore[union-attr]
        triples = len(data)
    done = time.perf_counter()
    return {
        "triples": triples,
        "parse_s": round(parsed - start, 2),
        "validate_s": round(done - parsed, 2),
        "total_s": round(done - start, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "results": results,
    }


def _measure(engine: str, path: Path, shapes: Path | None, timeout: float) -> dict[str, object]:
    command = [sys.executable, __file__, "--one", engine, str(path)] + (["--shapes", str(shapes)] if shapes else [])
    try:
        run = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"total_s": f"> {timeout:.0f} (stopped)"}
    if run.returncode != 0:
        return {"error": run.stderr.strip().splitlines()[-1:]}
    return json.loads(run.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pyshacl-timeout", type=float, default=900, help="seconds before a pyshacl run is stopped")
    parser.add_argument("--workdir", type=Path, help="where the synthetic files go (default: a temp dir)")
    parser.add_argument("--one", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--shapes", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_one(args.one[0], Path(args.one[1]), args.shapes)))
        return 0

    sys.path.insert(0, str(HERE))
    import synthetic

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="medkg-validate-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    core = _core_shapes_dir(workdir / "core-shapes")
    rows = []
    for n in args.triples:
        path = workdir / f"synthetic-{n}.nt"
        if not path.exists():
            synthetic.write(path, n, seed=args.seed)
        for label, engine, shapes, timeout in (
            ("medkg, all shapes", "medkg", None, 3600.0),
            ("pyshacl, all shapes", "pyshacl", None, args.pyshacl_timeout),
            ("medkg, core shapes", "medkg", core, 3600.0),
            ("pyshacl, core shapes", "pyshacl", core, args.pyshacl_timeout),
        ):
            result = _measure(engine, path, shapes, timeout)
            rows.append((n, label, result))
            print(f"{n:>9} {label:<22} {result}", file=sys.stderr, flush=True)
    print("| triples | engine, shapes | parse s | validate s | total s | peak MB | results |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n, label, r in rows:
        cells = [r.get(k, "") for k in ("parse_s", "validate_s", "total_s", "peak_mb", "results")]
        print(f"| {n:,} | {label} | " + " | ".join(str(c) for c in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
