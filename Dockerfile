FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/eligo.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
COPY criteria_rules ./criteria_rules
COPY matching ./matching
COPY migrations ./migrations
COPY bench ./bench
RUN pip install . && useradd --create-home --uid 10001 eligo && mkdir -p /data && chown eligo /data

USER eligo
VOLUME ["/data"]
EXPOSE 8000
CMD ["eligo", "serve", "--host", "0.0.0.0", "--port", "8000"]
