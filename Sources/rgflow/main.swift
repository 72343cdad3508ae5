print("usage: rgflow <command>")
