import sys

from wizard.secretscan.cli import main

sys.exit(main())
