"""``python -m ccrouter`` is the ``ccrouter`` command."""

from ccrouter.cli.main import main

raise SystemExit(main())
