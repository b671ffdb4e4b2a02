print("infrasight")
