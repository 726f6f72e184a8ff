from mscc.cli import main

main()
