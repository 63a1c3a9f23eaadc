"""``python -m diffkit`` is the ``diffkit`` command."""

from .cli import main

raise SystemExit(main())
