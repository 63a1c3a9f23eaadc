"""``python -m bench [--quick] [--only NAME ...]``."""

from .run import main

raise SystemExit(main())
