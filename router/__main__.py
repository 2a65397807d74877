"""``python -m ccrouter`` is the ``ccrouter`` command."""

from ccrouter.cli import main

raise SystemExit(main())
