# One image for the four Lianxin services and the web console; each container runs
# `lianxin serve <name>`.
FROM python:3.11-slim

WORKDIR /app

COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY pyproject.toml config.yml ./
COPY lianxin/ lianxin/
COPY services/ services/
COPY data/ data/
RUN pip install --no-cache-dir --no-deps . && mkdir -p /app/var

CMD ["lianxin", "--help"]
