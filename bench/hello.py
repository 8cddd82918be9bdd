"""The floor: a bare Flask app that answers "hello", served like the real one."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
