from wirebrief.cli import main

main()
