import { RouteMethods } from './method-not-allowed';

describe('RouteMethods', () => {
  const routes = new RouteMethods();
  routes.add('/api/v3/users/:id', ['GET', 'HEAD']);
  routes.add('/api/v3/users/:id', 'PATCH');
  routes.add('/api/v3/users/me/export', 'GET');
  routes.add('/api/v3/models/*', 'GET');
  routes.add('/api/v3/a.b', 'POST');

  it('lists the methods of every route whose pattern matches the path', () => {
    expect(routes.allowed('/api/v3/users/123')).toEqual(['GET', 'HEAD', 'PATCH']);
    expect(routes.allowed('/api/v3/users/me/export')).toEqual(['GET']);
    expect(routes.allowed('/api/v3/models/openai/gpt-4o/usage')).toEqual(['GET']);
    expect(routes.allowed('/api/v3/users/123/')).toEqual(['GET', 'HEAD', 'PATCH']);
  });

  it('matches parameters within one segment and static parts literally', () => {
    expect(routes.allowed('/api/v3/users/1/2')).toEqual([]);
    expect(routes.allowed('/api/v3/aXb')).toEqual([]);
    expect(routes.allowed('/api/v3/nothing')).toEqual([]);
  });

  it('knows the methods of a static path apart from its parametric siblings', () => {
    expect(routes.staticMethods('/api/v3/users/me/export')).toEqual(['GET']);
    expect(routes.staticMethods('/api/v3/users/123')).toEqual([]);
  });
});
