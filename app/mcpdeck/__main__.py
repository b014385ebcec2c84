import sys

from mcpdeck.cli import main

sys.exit(main())
