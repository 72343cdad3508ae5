print("usage: rgflow-bench <suite>")
