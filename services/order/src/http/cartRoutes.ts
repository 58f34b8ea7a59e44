import { requireUser } from '@shop/auth';
import { requestSignal, type ServiceApp } from '@shop/platform';
import { removeCartItem, setCartItem, viewCart, type CartDeps } from '../app/cart.ts';
import { CartItemBody, ProductParams } from './schemas.ts';

/** The signed-in user's cart; every route acts on the caller's own cart only. */
export function registerCartRoutes(app: ServiceApp, deps: CartDeps): void {
  app.get('/orders/cart', async (request) => {
    const user = requireUser(request);
    return viewCart(deps, user.userId);
  });

  app.put(
    '/orders/cart/items/:productId',
    { schema: { params: ProductParams, body: CartItemBody } },
    async (request, reply) => {
      const user = requireUser(request);
      const change = {
        userId: user.userId,
        productId: request.params.productId.toLowerCase(),
        quantity: request.body.quantity,
      };
      return setCartItem(deps, change, requestSignal(request, reply));
    },
  );

  app.delete('/orders/cart/items/:productId', { schema: { params: ProductParams } }, async (request, reply) => {
    const user = requireUser(request);
    await removeCartItem(deps, user.userId, request.params.productId.toLowerCase());
    return reply.status(204).send();
  });
}
