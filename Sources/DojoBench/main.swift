print("dojo-agent")
