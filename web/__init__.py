"""The staff web page: server-rendered Swedish pages over flow's use cases."""
