from hypercare.cli.app import main

main()
