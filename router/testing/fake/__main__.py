"""``python -m ccrouter.testing.fake`` runs the fake OpenRouter (see ``app``)."""

from ccrouter.testing.fake.app import main

main()
