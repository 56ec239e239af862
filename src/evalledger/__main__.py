from evalledger.cli import main

raise SystemExit(main())
