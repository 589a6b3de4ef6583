"""The clerk's Android app (Kivy). Built in a later issue; only the public GraphQL API is used."""
