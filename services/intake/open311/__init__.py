"""Open311 GeoReport v2 beside intake's own API (docs/open311.md).

``georeport``: the pure mapping between the standard and Lianxin (forms, dates,
statuses, records); ``documents``: XML and JSON by the spec's Spark convention;
``models``: intake's Open311 tables; ``app``: the use cases; ``http``: the entrypoint
that answers in the spec's formats; ``endpoints``: the routes, a mixin of
``IntakeService``.
"""
